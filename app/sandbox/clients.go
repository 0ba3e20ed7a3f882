package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"authdebug/app/flow"
	"authdebug/app/ngi"
)

// Client is a registered client of the sandbox, in Hydra's own client
// format, so that an integrator can paste what their NGI client looks like.
type Client struct {
	ID           string   `json:"client_id"`
	Secret       string   `json:"client_secret"`
	RedirectURIs []string `json:"redirect_uris"`
	Scope        string   `json:"scope"`    // space-separated; "a.b.*" covers "a.b.c"
	Audience     []string `json:"audience"` // what client credentials may ask for, exactly
	GrantTypes   []string `json:"grant_types"`
}

// ngiClient gives a client what an NGI client has: every NGI scope, NGI's
// preprod audiences, and the two grants NGI uses.
func ngiClient(c Client) Client {
	c.Scope = strings.Join(ngi.RegisteredScopes(), " ")
	c.Audience = nil
	for _, svc := range ngi.Preprod().Services {
		c.Audience = append(c.Audience, svc.Audience)
	}
	c.GrantTypes = []string{flow.GrantAuthorizationCode, flow.GrantClientCredentials}
	return c
}

// ParseClient reads "ID:SECRET:REDIRECT[,REDIRECT]" into a client registered
// like NGI's (ngiClient). The id and secret hold no colon; everything after
// the second colon is the list of redirect URIs.
func ParseClient(s string) (Client, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return Client{}, errors.New("want ID:SECRET:REDIRECT[,REDIRECT]")
	}
	c := Client{ID: parts[0], Secret: parts[1]}
	for _, r := range strings.Split(parts[2], ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.RedirectURIs = append(c.RedirectURIs, r)
		}
	}
	return ngiClient(c), nil
}

// ReadClients reads a JSON array of clients in Hydra's format, as
// "hydra get client" prints them. A client without grant_types gets
// Hydra's default, authorization_code.
func ReadClients(data []byte) ([]Client, error) {
	var clients []Client
	if err := json.Unmarshal(data, &clients); err != nil {
		return nil, fmt.Errorf("not a JSON array of clients in Hydra's format: %v", err)
	}
	for i, c := range clients {
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("client %d has no client_id", i+1)
		case c.Secret == "":
			return nil, fmt.Errorf("client %s has no client_secret: the sandbox's clients use client_secret_basic", c.ID)
		}
		for _, g := range c.GrantTypes {
			if !slices.Contains(knownGrants, g) {
				return nil, fmt.Errorf("client %s: grant type %q is not one the sandbox knows (%s)", c.ID, g, strings.Join(knownGrants, ", "))
			}
		}
		if len(c.GrantTypes) == 0 {
			clients[i].GrantTypes = []string{flow.GrantAuthorizationCode}
		}
	}
	return clients, nil
}

// knownGrants are the grant types Hydra's token endpoint handles.
var knownGrants = []string{flow.GrantAuthorizationCode, flow.GrantClientCredentials, "refresh_token", "implicit"}

func (c Client) scopes() []string         { return strings.Fields(c.Scope) }
func (c Client) allows(grant string) bool { return slices.Contains(c.GrantTypes, grant) }
