terraform {
  # Validation that refers to another variable needs 1.9. No providers.
  required_version = ">= 1.9.0"
}
