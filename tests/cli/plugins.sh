# plugins.sh: the plugin host: config errors, secrets, trusted directories, ABI refusal, all-or-nothing syncs and health.
. "$STEWARD_TOP/tests/lib.sh"

DB="$TMPD/s.db"
PD="$TMPD/plugins"
mkdir -p "$PD"
# the test plugins, copied so their directory's permissions are ours to set
build=${STEWARD%/*}
cp "$build/tests/plugins/steward-misbehave.so" "$build/tests/plugins/steward-oldabi.so" "$PD/"
chmod 755 "$PD"
# syncs record evidence as a principal's signed acts: an admin key for the whole suite
export STEWARD_PASSPHRASE=correct-horse-battery-staple XDG_CONFIG_HOME="$TMPD/cfg"
"$STEWARD" init --db "$DB" --admin ada >/dev/null || fail "init"
export STEWARD_KEY="$TMPD/cfg/steward/keys/ada.key"
cfg() { printf '[steward]\nplugin_dirs = %s\n\n%b' "$PD" "$1" >"$TMPD/config"; }

# --- the configuration ---
expect 0 "no config file: nothing configured" env XDG_CONFIG_HOME="$TMPD/xdg" STEWARD_CONFIG= "$STEWARD" plugin list --db "$DB"
has "says where plugins go" "$OUT" "no config file"
expect 1 "--config must exist" "$STEWARD" sync --db "$DB" --config "$TMPD/none"
has "names the file" "$ERR" "$TMPD/none"
printf '[plugin m]\ntype = misbehave\ntoken = hunter2\n' >"$TMPD/config"
expect 1 "a secret written in the config" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "refused with file:line" "$ERR" "config:3: [plugin m] token: secrets never go in the config file"
lacks "the secret is not echoed" "$ERR" "hunter2"
printf '[plugin m]\nmode = ok\n' >"$TMPD/config"
expect 1 "no type" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "names the section" "$ERR" "config:2: [plugin m] has no 'type = ...'"
printf '[plugins]\ntype = x\n' >"$TMPD/config"
expect 1 "unknown section" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "section named" "$ERR" "config:2: unknown section [plugins]"
printf 'this is not ini\n' >"$TMPD/config"
expect 1 "not INI" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "line named" "$ERR" "config:1: not an INI line"
printf '[steward]\nplugin_dirs = relative/dir\n' >"$TMPD/config"
expect 1 "relative plugin directory" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "absolute" "$ERR" "is not an absolute path"
cfg '[plugin m]\ntype = misbehave\ntoken_env = STEWARD_TEST_UNSET\n'
expect 1 "a secret variable that is not set" env -u STEWARD_TEST_UNSET "$STEWARD" sync m --db "$DB" --config "$TMPD/config"
has "names the variable" "$ERR" "names STEWARD_TEST_UNSET, which is not set"
cfg '[plugin m]\ntype = misbehave\n'
chmod o+w "$TMPD/config"
expect 1 "a world-writable config" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "refused" "$ERR" "is writable by anyone"
chmod o-w "$TMPD/config"

# --- loading: trusted directories only, permissions, ABI ---
cfg '[plugin old]\ntype = oldabi\n'
expect 0 "plugin list shows a broken plugin" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "ABI named with the file" "$OUT" "steward-oldabi.so was built for plugin ABI 2; this steward speaks ABI 1"
expect 1 "sync refuses it" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
cfg '[plugin m]\ntype = misbehave\n'
chmod o+w "$PD/steward-misbehave.so"
expect 1 "a world-writable plugin" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
has "refused by name" "$ERR" "refusing plugin $PD/steward-misbehave.so: it is writable by anyone"
chmod o-w "$PD/steward-misbehave.so"
chmod o+w "$PD"
expect 1 "a world-writable plugin directory" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
has "directory named" "$ERR" "its directory $PD is writable by anyone"
chmod o-w "$PD"
chmod g+w "$PD/steward-misbehave.so"
expect 1 "a group-writable plugin" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
has "refused by name and why" "$ERR" "refusing plugin $PD/steward-misbehave.so: it is writable by its group; run chmod g-w $PD/steward-misbehave.so"
expect 0 "plugin list names the refusal" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "plugin list says why" "$OUT" "it is writable by its group"
chmod g-w "$PD/steward-misbehave.so"
chmod g+w "$PD"
expect 1 "a group-writable plugin directory" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
has "group directory named" "$ERR" "its directory $PD is writable by its group"
chmod g-w "$PD"
# a safe link in a safe directory to a plugin in a directory anyone can write
mkdir -m 777 "$TMPD/open"
cp "$PD/steward-misbehave.so" "$TMPD/open/steward-misbehave.so"
chmod 755 "$TMPD/open/steward-misbehave.so"
mv "$PD/steward-misbehave.so" "$PD/real-misbehave.so"
ln -s "$TMPD/open/steward-misbehave.so" "$PD/steward-misbehave.so"
expect 1 "a link to a plugin in a world-writable directory" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
has "the link and its target named" "$ERR" "$PD/steward-misbehave.so is a symbolic link to $TMPD/open/steward-misbehave.so: refusing plugin $TMPD/open/steward-misbehave.so: its directory $TMPD/open is writable by anyone"
rm "$PD/steward-misbehave.so"
ln -s real-misbehave.so "$PD/steward-misbehave.so"
cfg '[plugin m]\ntype = misbehave\nmode = ok\n'
expect 0 "a link to a plugin in a safe directory loads" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
rm "$PD/steward-misbehave.so"
mv "$PD/real-misbehave.so" "$PD/steward-misbehave.so"
if [ "$(id -u)" -eq 0 ]; then
	chown nobody "$PD/steward-misbehave.so"
	expect 1 "a plugin owned by someone else" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
	has "owner named" "$ERR" "refusing plugin $PD/steward-misbehave.so: it is owned by uid $(id -u nobody), neither you nor root"
	chown 0 "$PD/steward-misbehave.so"
fi
expect 0 "the plugin loads again" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
# the config: the same rules
cfg '[plugin m]\ntype = misbehave\n'
chmod 664 "$TMPD/config"
expect 1 "a group-writable config" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
has "config refused by name and why" "$ERR" "refusing config $TMPD/config: it is writable by its group; run chmod g-w $TMPD/config"
chmod 644 "$TMPD/config"
cp "$TMPD/config" "$TMPD/open/config"
ln -s "$TMPD/open/config" "$TMPD/linked-config"
expect 1 "a config linked into a world-writable directory" "$STEWARD" plugin list --db "$DB" --config "$TMPD/linked-config"
has "config link named" "$ERR" "$TMPD/linked-config is a symbolic link to $TMPD/open/config: refusing config $TMPD/open/config: its directory $TMPD/open is writable by anyone"
: >"$TMPD/nokeys"
expect 0 "the console runs without it" "$STEWARD" --db "$DB" --config "$TMPD/linked-config" --script "$TMPD/nokeys" \
	--dump "$TMPD/screen" --size 400x24
has "and says why" "$(cat "$TMPD/screen")" "refusing config $TMPD/open/config: its directory $TMPD/open is writable by anyone"
mkdir -m 775 "$TMPD/shared"
cp "$TMPD/config" "$TMPD/shared/config"
expect 1 "a config in a group-writable directory" "$STEWARD" plugin list --db "$DB" --config "$TMPD/shared/config"
has "its directory named" "$ERR" "its directory $TMPD/shared is writable by its group"
expect 0 "the config in place loads" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config"
cfg '[plugin m]\ntype = nosuch\n'
expect 1 "no such plugin" "$STEWARD" sync --db "$DB" --config "$TMPD/config"
has "names what was looked for" "$ERR" "no steward-nosuch.so in the plugin directories"
# the current directory is never searched
cp "$PD/steward-misbehave.so" "$TMPD/steward-cwdonly.so"
cfg '[plugin m]\ntype = cwdonly\n'
expect 1 "a plugin in the current directory is not loaded" sh -c "cd '$TMPD' && '$STEWARD' sync --db '$DB' --config '$TMPD/config'"

# --- syncs: all or nothing, health ---
cfg '[plugin good]\ntype = misbehave\nmode = ok\n\n[plugin junk]\ntype = misbehave\nmode = garbage\n\n[plugin down]\ntype = misbehave\nmode = fail\n'
BEFORE=$(store_sql "$DB" "SELECT count(*) FROM models")
expect 1 "a sync that gets garbage records nothing" "$STEWARD" sync junk --db "$DB" --config "$TMPD/config"
has "names the refused record" "$ERR" "digest \"sha256:not-a-digest\""
same "its good record did not survive" "$(store_sql "$DB" "SELECT count(*) FROM models")" "$BEFORE"
expect 1 "a failing backend" "$STEWARD" sync down --db "$DB" --config "$TMPD/config"
# The key is unlocked while the plugin reads: a key that may not act still writes and says nothing,
# neither when the backend has news (refused before the first write) nor when it has none (at the end).
"$STEWARD" key gen sami --out "$TMPD/sami.key" >/dev/null || fail "key sami"
"$STEWARD" principal add sami --role sre --pubkey "$TMPD/sami.key.pub" --db "$DB" >/dev/null || fail "add sami"
late_refused() { # WHAT: the sync of good just refused; nothing it read was written or said
	same "$1: no models" "$(store_sql "$DB" "SELECT count(*) FROM models")" "$BEFORE"
	same "$1: no entries" "$(store_sql "$DB" "SELECT count(*) FROM ledger")" "$ENTRIES"
	same "$1: no health kept" "$(store_sql "$DB" "SELECT count(*) FROM plugin_health WHERE name = 'good'")" "$HEALTH"
	same "$1: nothing said on stdout" "$OUT" ""
}
ENTRIES=$(store_sql "$DB" "SELECT count(*) FROM ledger") HEALTH=0
expect 1 "a wrong passphrase, a backend with news" env STEWARD_TEST_WAIT_MS=40 STEWARD_PASSPHRASE=not-adas-passphrase \
	"$STEWARD" sync good --db "$DB" --config "$TMPD/config"
has "the passphrase is what failed" "$ERR" "wrong passphrase for key file"
lacks "not a sync failure" "$ERR" "sync failed"
late_refused "wrong passphrase"
expect 1 "a key without the role, a backend with news" "$STEWARD" sync good --db "$DB" --config "$TMPD/config" --key "$TMPD/sami.key"
has "the role is what failed" "$ERR" "sami (roles: sre) may not run 'steward sync'"
late_refused "no role"
expect 0 "a good one" "$STEWARD" sync good --db "$DB" --config "$TMPD/config"
has "summary" "$OUT" "good: 1 models"
expect 0 "a second sync of an unchanged backend" "$STEWARD" sync good --db "$DB" --config "$TMPD/config" --json
valid "sync --json"
same "writes nothing" "$(j '$[0].written')" 0
BEFORE=$(store_sql "$DB" "SELECT count(*) FROM models") ENTRIES=$(store_sql "$DB" "SELECT count(*) FROM ledger")
HEALTH=$(store_sql "$DB" "SELECT count(*) FROM plugin_health WHERE name = 'good'")
expect 1 "a wrong passphrase, an unchanged backend" env STEWARD_TEST_WAIT_MS=40 STEWARD_PASSPHRASE=not-adas-passphrase \
	"$STEWARD" sync good --db "$DB" --config "$TMPD/config" --json
has "the passphrase failed it" "$ERR" "wrong passphrase for key file"
late_refused "unchanged, wrong passphrase"
expect 1 "a key without the role, an unchanged backend" "$STEWARD" sync good --db "$DB" --config "$TMPD/config" --key "$TMPD/sami.key"
has "the role failed it" "$ERR" "may not run 'steward sync'"
late_refused "unchanged, no role"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config" --json
valid "plugin list"
same "good is ok" "$(j '$[0].health')" ok
same "junk is degraded" "$(j '$[1].health')" degraded
same "down says why" "$(j '$[2].message')" "backend unreachable (on purpose)"
same "capabilities" "$(j '$[0].capabilities[0]')" registry
expect 1 "sync of an unknown name" "$STEWARD" sync nobody --db "$DB" --config "$TMPD/config"
has "named" "$ERR" "no [plugin nobody]"

# --- digest states, partial syncs, incremental passes ---
cfg '[plugin dg]\ntype = misbehave\nmode = digests\nfull_sync = 3600\n'
expect 3 "a sync whose downloads failed is partial" "$STEWARD" sync dg --db "$DB" --config "$TMPD/config"
has "says partial with the reason" "$OUT" "partial: the artifacts of 1 version(s) could not be read"
has "names the version and why" "$OUT" "fixture-model v2: downloading model/MLmodel: Timeout was reached"
has "exit 3 explained" "$ERR" "syncs were partial"
has "the first sync is a full pass" "$OUT" "(full pass)"
expect 0 "plugin list" "$STEWARD" plugin list --db "$DB" --config "$TMPD/config" --json
same "health partial" "$(j '$[0].health')" partial
has "with the reason" "$(j '$[0].message')" "Timeout was reached"
expect 0 "a verified version" "$STEWARD" version show fixture-model 1 --db "$DB" --json
same "state verified" "$(j '$.digest_state')" verified
same "its digest" "$(j '$.digest')" "sha256:2222222222222222222222222222222222222222222222222222222222222222"
expect 0 "an unverified version" "$STEWARD" version show fixture-model 2 --db "$DB" --json
same "state unverified" "$(j '$.digest_state')" unverified
same "no digest in JSON" "$(jtype '$.digest')" null
has "the reason" "$(j '$.digest_reason')" "Timeout was reached"
expect 0 "shown as unverified" "$STEWARD" version show fixture-model 2 --db "$DB"
has "never as the digest of nothing" "$OUT" "digest:    unverified (downloading model/MLmodel: Timeout was reached)"
lacks "no e3b0" "$OUT" "e3b0c442"
expect 0 "an empty version" "$STEWARD" version show fixture-model 3 --db "$DB"
has "empty is its own state" "$OUT" "digest:    empty"
expect 0 "version list" "$STEWARD" version list fixture-model --db "$DB"
has "the list names the state" "$OUT" "unverified"
lacks "the list shows no empty digest" "$OUT" "e3b0c4"
expect 1 "no request on an unverified digest" "$STEWARD" promote request fixture-model 2 --to production --db "$DB"
has "says why" "$ERR" "digest is unverified (downloading model/MLmodel: Timeout was reached)"
expect 1 "no request on an empty artifact set" "$STEWARD" promote request fixture-model 3 --to production --db "$DB"
has "says why" "$ERR" "no artifact files"
expect 3 "the next sync is incremental" "$STEWARD" sync dg --db "$DB" --config "$TMPD/config" --json
same "not full" "$(j '$[0].full')" 0
same "the verified and the empty version were skipped" "$(j '$[0].skipped')" 2
same "the unverified one is read again" "$(j '$[0].versions')" 1
same "still partial" "$(j '$[0].partial')" 1
expect 3 "--full reads everything" "$STEWARD" sync dg --full --db "$DB" --config "$TMPD/config" --json
same "full" "$(j '$[0].full')" 1
same "nothing skipped" "$(j '$[0].skipped')" 0
lacks "no progress bytes on a pipe" "$ERR" "syncing dg"
if command -v script >/dev/null 2>&1; then
	script -qec "'$STEWARD' sync dg --full --db '$(store_uri "$DB")' --config '$TMPD/config'" /dev/null >"$TMPD/tty.out" 2>&1
	same "sync on a terminal: partial, as before" "$?" 3
	TTY=$(tr '\r' '\n' <"$TMPD/tty.out")
	has "progress names the plugin and counts its versions" "$TTY" "syncing dg: 3/3 versions ("
	has "with the rate and the time left" "$TTY" "versions/s, 0s left)"
	script -qec "'$STEWARD' sync dg --quiet --full --db '$(store_uri "$DB")' --config '$TMPD/config'" /dev/null >"$TMPD/tty.out" 2>&1
	lacks "--quiet: no progress" "$(cat "$TMPD/tty.out")" "syncing dg:"
else
	echo "note: no script(1): the terminal progress line is not checked"
fi

# --- [steward] db: where the store is when neither --db nor STEWARD_DB says ---
mkdir -p "$TMPD/dbcfg"
printf '[steward]\ndb = %s\n' "$TMPD/from-config.db" >"$TMPD/dbcfg/config"
chmod 600 "$TMPD/dbcfg/config"
expect 0 "init finds the store in the config" env STEWARD_DB= "$STEWARD" init --config "$TMPD/dbcfg/config"
has "at the configured path" "$OUT" "$(store_uri "$TMPD/from-config.db")"
if sqlite_only 1 "the store's file"; then
	[ -f "$TMPD/from-config.db" ] && ok || fail "the configured store was not made"
fi
expect 0 "--db wins over the config" env STEWARD_DB= "$STEWARD" model list --db "$DB" --config "$TMPD/dbcfg/config" --json
has "reads --db's store" "$OUT" "["
expect 1 "STEWARD_DB wins over the config" env STEWARD_DB="$TMPD/nowhere.db" "$STEWARD" model list --config "$TMPD/dbcfg/config"
has "names STEWARD_DB's path" "$ERR" "$(store_uri "$TMPD/nowhere.db")"
printf '[steward]\ndb = postgresql://steward:hunter2@db.internal/steward\n' >"$TMPD/dbcfg/config"
expect 1 "a password in the config is refused" env STEWARD_DB= "$STEWARD" model list --config "$TMPD/dbcfg/config"
has "names the line and where passwords go" "$ERR" "config:2: db: the URI holds a password; put it in ~/.pgpass"
lacks "the password is not echoed" "$ERR" "hunter2"
printf '[steward]\ndb = relative.db\n' >"$TMPD/dbcfg/config"
expect 1 "a relative path is refused" env STEWARD_DB= "$STEWARD" model list --config "$TMPD/dbcfg/config"
has "says why" "$ERR" "config:2: db: 'relative.db' is neither an absolute path nor a postgresql:// URI"

finish
