package web

import (
	_ "embed"
	"net/http"
)

// openAPI is the API's OpenAPI 3.1 document. TestOpenAPIMatchesRoutes
// keeps it and routes.go in step.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
}
