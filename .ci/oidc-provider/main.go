// Command custodian-oidc-provider is a real OpenID Connect provider for
// Custodian's single sign-on tests: zitadel/oidc's certified provider
// library (package op) with its example's in-memory storage and login
// form, and, on top, what the tests need and the example lacks: users
// from a file with their groups (a "groups" claim) and the amr and acr
// values the provider asserts for them, and clients whose redirect URIs
// are globs (the test server's port is chosen at run time).
//
// It lives in a Go module of its own so that its dependencies never enter
// Custodian's go.mod; .ci/run builds it once into a cache directory.
// Dex was the first choice, but no version of it is served by the Go
// module proxy this project can reach.
//
// It listens on loopback only, on -addr (default: a free port), and
// prints "issuer <URL>" on standard output once it serves.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// config is the file named by -config.
type config struct {
	Clients []struct {
		ID            string   `json:"id"`
		Secret        string   `json:"secret"`
		RedirectGlobs []string `json:"redirect_globs"`
	} `json:"clients"`
	Users []user `json:"users"`
}

type user struct {
	ID       string   `json:"id"` // the subject
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
	AMR      []string `json:"amr"` // default ["pwd"]
	ACR      string   `json:"acr"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	path := flag.String("config", "", "JSON file with clients and users")
	flag.Parse()
	if err := run(*addr, *path); err != nil {
		fmt.Fprintln(os.Stderr, "custodian-oidc-provider:", err)
		os.Exit(1)
	}
}

func run(addr, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: loopback addresses only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String() + "/"

	users := &userStore{path: path}
	users.load()
	clients := map[string]*storage.Client{}
	globs := map[string][]string{}
	for _, c := range cfg.Clients {
		clients[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectGlobs...)
		globs[c.ID] = c.RedirectGlobs
	}
	st := &store{Storage: storage.NewStorageWithClients(users, clients), users: users, globs: globs}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	router := exampleop.SetupServer(issuer, st, logger, false)
	fmt.Println("issuer", issuer)
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// userStore gives the example storage its users. It reads the file again
// at every lookup, so that a test can change a person's groups (or amr)
// at the provider between two sign-ins, as an administrator would.
type userStore struct {
	mu     sync.Mutex
	path   string
	byID   map[string]*user
	byName map[string]*user
}

// load reads the users again; a file being rewritten (unreadable for a
// moment) leaves the users as they were. Called with mu held.
func (s *userStore) load() {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return
	}
	var cfg config
	if json.Unmarshal(data, &cfg) != nil {
		return
	}
	byID, byName := map[string]*user{}, map[string]*user{}
	for i := range cfg.Users {
		u := &cfg.Users[i]
		if len(u.AMR) == 0 {
			u.AMR = []string{"pwd"}
		}
		byID[u.ID] = u
		byName[u.Username] = u
	}
	s.byID, s.byName = byID, byName
}

func (s *userStore) example(u *user) *storage.User {
	if u == nil {
		return nil
	}
	return &storage.User{ID: u.ID, Username: u.Username, Password: u.Password, FirstName: u.Name,
		Email: u.Email, EmailVerified: u.Email != ""}
}

func (s *userStore) GetUserByID(id string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.example(s.byID[id])
}

func (s *userStore) GetUserByUsername(name string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.example(s.byName[name])
}

func (s *userStore) ExampleClientID() string { return "service" }

func (s *userStore) get(id string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.byID[id]
}

// store is the example storage with the groups claim, the users' amr and
// acr, and redirect globs.
type store struct {
	*storage.Storage
	users *userStore
	globs map[string][]string
}

// globClient lets a client's redirect URIs be globs.
type globClient struct {
	op.Client
	globs []string
}

func (c globClient) RedirectURIGlobs() []string           { return c.globs }
func (c globClient) PostLogoutRedirectURIGlobs() []string { return c.globs }

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return globClient{Client: c, globs: s.globs[id]}, nil
}

// authRequest asserts the user's amr and acr instead of the example's
// fixed "pwd".
type authRequest struct {
	op.AuthRequest
	u *user
}

func (a authRequest) GetAMR() []string { return a.u.AMR }
func (a authRequest) GetACR() string   { return a.u.ACR }

func (s *store) wrap(a op.AuthRequest, err error) (op.AuthRequest, error) {
	if err != nil {
		return nil, err
	}
	if u := s.users.get(a.GetSubject()); u != nil && a.Done() {
		return authRequest{AuthRequest: a, u: u}, nil
	}
	return a, nil
}

func (s *store) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.wrap(s.Storage.AuthRequestByID(ctx, id))
}

func (s *store) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.wrap(s.Storage.AuthRequestByCode(ctx, code))
}

// groups puts the person's groups in a token's or the userinfo
// endpoint's claims, whatever the scopes: as many providers do once an
// administrator maps a groups claim to the client.
func (s *store) groups(info *oidc.UserInfo, subject string) {
	if u := s.users.get(subject); u != nil {
		info.AppendClaims("groups", u.Groups)
	}
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	s.groups(info, req.GetSubject())
	return nil
}

// SetUserinfoFromToken fills the userinfo endpoint's answer.
func (s *store) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	s.groups(info, subject)
	return nil
}
