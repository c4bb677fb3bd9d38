"""The supply chain of the API's image: its bill of materials, made from its hashed lock."""
