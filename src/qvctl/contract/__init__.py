"""The contract between the layers, read from what each layer publishes, and the checks that hold the manifests to it.

Readers: the API's documented settings (`api_settings`), the routes in its OpenAPI document
(`api_routes`), Terraform's IRSA naming through an HCL parser (`terraform`). Checks over one
rendered environment: environment variables, probes and ports, IRSA, references
(`cross_layer_problems` runs them all). A reader that cannot find what it reads raises
`ContractMissing` with a sentence saying what is missing, never a guess.
"""
