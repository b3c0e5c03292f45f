"""The DynamoDB target: a single-table model (item collections, overloaded GSIs), its
CreateTable input, its seed as BatchWriteItem requests, and a reader that follows a request."""
