"""The people side: employee surveys stored anonymously, the employee index with suppression
of small groups, and its link to the customers' results."""
