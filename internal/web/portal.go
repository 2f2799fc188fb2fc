package web

import (
	"net/http"
	"strings"

	"aftersales"
	"aftersales/internal/web/api"
	"aftersales/internal/web/console"
)

// isPortal reports whether path belongs to the customer portal: its pages
// and its API.
func isPortal(path string) bool {
	return path == "/portal" || strings.HasPrefix(path, "/portal/") || strings.HasPrefix(path, api.PortalPrefix+"/")
}

// portalAuth puts the portal user of the portal session cookie into the
// context of portal requests, and takes any staff user out: a portal
// page or operation never acts as staff, and nothing outside the portal
// reads the portal cookie, so a portal session never reaches a staff
// page or /api/v1.
func (s *Server) portalAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isPortal(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		ctx := aftersales.NewContextWithUser(r.Context(), nil)
		if c, err := r.Cookie(console.PortalCookie); err == nil && c.Value != "" {
			u, err := s.Services.Portal.PortalUserBySession(ctx, c.Value)
			switch {
			case err == nil:
				ctx = aftersales.NewContextWithPortalUser(ctx, u)
			case aftersales.ErrorCode(err) != aftersales.EUNAUTHORIZED:
				s.storeFailed(w, r, "authenticate portal session", err)
				return
			}
		}
		if aftersales.PortalUserFromContext(ctx) == nil && strings.HasPrefix(r.URL.Path, api.PortalPrefix+"/") && r.URL.Path != api.PortalPrefix+"/openapi.json" {
			writeProblem(w, http.StatusUnauthorized, "You must sign in to the portal.")
			return
		}
		serveWithContext(next, w, r, ctx)
	})
}
