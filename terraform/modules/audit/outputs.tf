output "trail_arn" {
  description = "ARN of the trail."
  value       = aws_cloudtrail.this.arn
}

output "bucket_name" {
  description = "Bucket that receives the trail's log files."
  value       = module.bucket.id
}

output "log_group_name" {
  description = "CloudWatch log group that receives a copy of the trail's events."
  value       = aws_cloudwatch_log_group.trail.name
}

output "data_bucket_arns" {
  description = "Buckets whose object reads and writes the trail records."
  value       = var.data_bucket_arns
}
