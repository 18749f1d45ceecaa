package cache

import (
	"time"

	"orderform/gemini"
)

// rolesTTL: a key's roles are fixed when it is created; reading them once a
// day costs one private call, not one per plan.
const rolesTTL = 24 * time.Hour

const rolesFile = "roles.json"

type cachedRoles struct {
	Fetched time.Time    `json:"fetched"`
	Roles   gemini.Roles `json:"roles"`
}

// Roles returns the key's cached roles when they are fresh.
func (d Store) Roles(now time.Time) (gemini.Roles, bool) {
	var c cachedRoles
	if !read(d.file(rolesFile), &c) || now.Sub(c.Fetched) >= rolesTTL || now.Before(c.Fetched) {
		return gemini.Roles{}, false
	}
	return c.Roles, true
}

// SaveRoles records the key's roles as read at now.
func (d Store) SaveRoles(r gemini.Roles, now time.Time) {
	d.save("key roles", d.file(rolesFile), cachedRoles{Fetched: now, Roles: r}, false)
}
