// names.js — parties and grants by name, not id (/v1/parties,
// /v1/grants as of the page's date), with their trees: a party's parent,
// a grant's posts. One fetch per date, kept while the date stays.

import * as api from "./api.js";

let cached = { date: null, value: null };

// Forgets what was read (the log grew: a party or grant may be new).
export function forget() {
  cached = { date: null, value: null };
}

export async function names(date) {
  if (cached.date === date) return cached.value;
  const [p, g] = await Promise.all([
    api.get("/v1/parties", { as_of: date }),
    api.get("/v1/grants", { as_of: date }),
  ]);
  const parties = new Map(p.parties.map((x) => [x.party, x]));
  const grants = new Map(g.grants.map((x) => [x.grant, x]));
  const value = {
    parties, grants,
    party: (id) => (parties.get(id) || {}).name || id,
    grant: (id) => (grants.get(id) || {}).name || id,
    // the chain of ancestors' ids, the party first
    partyPath: (id) => {
      const path = [];
      for (let x = id; x && path.length < 32; x = (parties.get(x) || {}).parent)
        path.unshift(x);
      return path;
    },
    posts: (id) => g.grants.filter((x) => x.parent === id).map((x) => x.grant),
  };
  cached = { date, value };
  return value;
}
