"""What commands, jobs and the API share about the business's records: who sees what, states."""
