output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets, one per zone (nodes and pods)."
  value       = aws_subnet.private[*].id
}

output "public_subnet_ids" {
  description = "Public subnets, one per zone (internet-facing load balancers, NAT)."
  value       = aws_subnet.public[*].id
}

output "availability_zones" {
  description = "Zones used, in subnet order."
  value       = local.azs
}

output "nat_public_ips" {
  description = "Public addresses of the NAT gateways (the cluster's egress addresses)."
  value       = aws_eip.nat[*].public_ip
}
