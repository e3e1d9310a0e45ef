package ike

// PolicySelectors exposes policySelectors to the external tests.
var PolicySelectors = policySelectors
