output "cluster_name" {
  description = "EKS cluster name."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "Private API endpoint of the cluster."
  value       = aws_eks_cluster.this.endpoint
}

output "oidc_provider" {
  description = "The cluster's OIDC provider (ARN and issuer host), for roles other clusters' service accounts assume."
  value       = local.own_provider
}

output "irsa_role_arns" {
  description = "IAM role ARN per service account (empty when this cluster does not create them)."
  value       = { for k, r in aws_iam_role.irsa : k => r.arn }
}

output "node_role_arn" {
  description = "IAM role of the managed nodes."
  value       = aws_iam_role.node.arn
}
