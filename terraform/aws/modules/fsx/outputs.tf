output "bucket_name" {
  description = "S3 bucket linked to the file system."
  value       = aws_s3_bucket.data.id
}

output "file_system_id" {
  description = "ID of the FSx for Lustre file system."
  value       = aws_fsx_lustre_file_system.this.id
}

output "dns_name" {
  description = "DNS name of the file system (CSI volumeAttributes.dnsname)."
  value       = aws_fsx_lustre_file_system.this.dns_name
}

output "mount_name" {
  description = "Lustre mount name (CSI volumeAttributes.mountname)."
  value       = aws_fsx_lustre_file_system.this.mount_name
}

output "storage_capacity" {
  description = "Capacity in GiB."
  value       = aws_fsx_lustre_file_system.this.storage_capacity
}

output "file_system_path" {
  description = "Directory linked to the bucket, relative to the mount point."
  value       = aws_fsx_data_repository_association.data.file_system_path
}
