package wire

// The headers and cookies of the contract (the OpenAPI document names
// them).
const (
	// HeaderConsistency carries a consistency token both ways.
	HeaderConsistency = "Gatehouse-Consistency-Token"
	// CSRFHeader must echo the gatehouse_csrf cookie on cookie-authenticated
	// POST, PUT, PATCH and DELETE requests.
	CSRFHeader = "X-Gatehouse-CSRF"
	// SessionCookie holds the console's session token.
	SessionCookie = "gatehouse_session"
)
