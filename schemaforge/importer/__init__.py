"""`schemaforge import`: an existing schema read into a design a person would have written."""
