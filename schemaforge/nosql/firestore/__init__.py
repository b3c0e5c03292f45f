"""Firestore: collections and subcollections, structured queries and their composite indexes,
security rules from the design's roles and tenancy."""
