# group.sh: two real Unix accounts share one store made with `init --group` (one approves while the other has the console open), and an auditor reads it without write permission.
. "$STEWARD_TOP/tests/lib.sh"
sqlite_suite "a store file a Unix group shares (init --group); PostgreSQL leaves who may use it to its roles"

if [ "$(id -u)" -ne 0 ]; then
	echo "group.sh: skipped: it creates Unix accounts and a group (useradd, groupadd), which needs root; CI runs it as root"
	ok
	finish
	exit 0
fi
for tool in useradd groupadd userdel groupdel runuser; do
	command -v "$tool" >/dev/null 2>&1 || { fail "$tool is missing (package passwd / util-linux)"; finish; exit 1; }
done

SOCK="steward-group-$$"
WAIT=${STEWARD_TMUX_WAIT:-15}
. "$STEWARD_TOP/tests/lib-tmux.sh"
export LC_ALL=C.UTF-8
unset NO_COLOR STEWARD_KEY

# Accounts and a group of this run only, removed at exit with everything they own.
G="stwg$$"
A="stwa$$"   # alice: admin, ML lead, holds the log key
B="stwb$$"   # bob: risk officer, a member of the group
C="stwc$$"   # carol: auditor, not a member: read access only
SHARE=$(mktemp -d /tmp/steward-group.XXXXXX)
chmod 755 "$SHARE"
cleanup() {
	tm kill-server >/dev/null 2>&1
	rm -f "$SOCKDIR/$SOCK"
	for u in "$A" "$B" "$C"; do userdel "$u" >/dev/null 2>&1; done
	groupdel "$G" >/dev/null 2>&1
	rm -rf "$SHARE" "$TMPD"
}
trap cleanup EXIT INT TERM
groupadd "$G" || { fail "groupadd"; finish; exit 1; }
useradd -M -N -g nogroup -G "$G" -s /bin/sh "$A" && useradd -M -N -g nogroup -G "$G" -s /bin/sh "$B" &&
	useradd -M -N -g nogroup -s /bin/sh "$C" || { fail "useradd"; finish; exit 1; }
# The binary where every account can run it.
mkdir -m 755 "$SHARE/bin"
cp "$STEWARD" "$SHARE/bin/steward" && chmod 755 "$SHARE/bin/steward" || fail "copy the binary"
S="$SHARE/bin/steward"
for u in "$A" "$B" "$C"; do
	mkdir -m 700 "$SHARE/home-$u" && chown "$u" "$SHARE/home-$u" || fail "home for $u"
done
DB="$SHARE/team/steward.db"
export STEWARD_PASSPHRASE=correct-horse-battery

# by USER CMD...: runs steward as USER, with that account's own config folder.
by() {
	u=$1
	shift
	runuser -u "$u" -- env HOME="$SHARE/home-$u" XDG_CONFIG_HOME="$SHARE/home-$u/cfg" \
		XDG_DATA_HOME="$SHARE/home-$u/data" STEWARD_PASSPHRASE="$STEWARD_PASSPHRASE" \
		STEWARD_NOW="$STEWARD_NOW" "$S" "$@"
}
key() { printf '%s' "$SHARE/home-$1/cfg/steward/keys/$2.key"; }
mode() { stat -c '%A %G' "$1"; }

# --- init --group: bad input first, nothing left behind ---
expect 1 "an unknown group" by "$A" init --db "$DB" --group "nosuch$$" --admin alice
has "names the group" "$ERR" "no Unix group 'nosuch$$'"
[ ! -e "$SHARE/team" ] && ok || fail "an unknown group left the folder behind"
[ ! -e "$(key "$A" alice)" ] && ok || fail "an unknown group left a key behind"
expect 2 "--group-logkey alone" by "$A" init --db "$DB" --group-logkey
has "says what it needs" "$ERR" "--group-logkey needs --group NAME"
mkdir -m 700 "$SHARE/closed"
chown "$A" "$SHARE/closed"
expect 1 "a folder the members cannot reach" by "$A" init --db "$SHARE/closed/team/s.db" --group "$G"
has "names the folder and its mode" "$ERR" "folder $SHARE/closed is mode 0700"
[ ! -e "$SHARE/closed/team" ] && ok || fail "a refused init made the folder"
# The shared parent is root's: alice may create the team folder in it only
# if she may write it, as a real /srv would be set up by an admin.
chgrp "$G" "$SHARE" && chmod 2775 "$SHARE"

expect 0 "alice makes the team store" by "$A" init --db "$DB" --group "$G" --admin alice
has "says it is shared" "$OUT" "shared with Unix group $G"
has "names the log signer" "$OUT" "checkpoints are signed by $A"
same "folder is setgid, the group's" "$(mode "$SHARE/team")" "drwxrws--- $G"
same "store 0660" "$(mode "$DB")" "-rw-rw---- $G"
same "-wal 0660" "$(mode "$DB-wal")" "-rw-rw---- $G"
same "-shm 0660" "$(mode "$DB-shm")" "-rw-rw---- $G"
same "log key 0600, alice's" "$(stat -c '%A %U' "$DB.logkey")" "-rw------- $A"
expect 0 "init --json names the group" by "$A" init --db "$DB" --json
expect 1 "a member who is not the owner cannot re-share it" by "$B" init --db "$DB" --group "$G"

# --- the team: bob is a risk officer with his own key ---
expect 0 "bob makes his key" by "$B" key gen bob
# bob hands alice his public key, as he would by mail.
cp "$(key "$B" bob).pub" "$SHARE/bob.pub" && chmod 644 "$SHARE/bob.pub"
expect 0 "alice enrols bob" by "$A" principal add bob --role risk-officer --pubkey "$SHARE/bob.pub" --db "$DB" --key "$(key "$A" alice)"
expect 0 "alice is also an ML lead" by "$A" principal add alice --role ml-lead --db "$DB" --key "$(key "$A" alice)"
D1=sha256:1111111111111111111111111111111111111111111111111111111111111111
expect 0 "model" by "$A" model add fraud --tier medium --owner risk --db "$DB" --key "$(key "$A" alice)"
expect 0 "version" by "$A" version add fraud --artifact s3://m/1 --digest "$D1" --author lena --db "$DB" --key "$(key "$A" alice)"
expect 0 "request" by "$A" promote request fraud 1 --to staging --db "$DB" --key "$(key "$A" alice)"
R=$OUT
[ -n "$R" ] && ok || fail "no request id"
for f in "$DB" "$DB-wal" "$DB-shm"; do
	same "$f still the group's after others wrote" "$(mode "$f")" "-rw-rw---- $G"
done

# --- bob approves while alice has the console open ---
tm new-session -d -s c -x 120 -y 30 \
	"runuser -u $A -- env HOME='$SHARE/home-$A' XDG_CONFIG_HOME='$SHARE/home-$A/cfg' LC_ALL=C.UTF-8 TERM=\$TERM '$S' --db '$DB' --key '$(key "$A" alice)' 2>'$TMPD/c.err'; echo \$? >'$TMPD/c.exit'; sleep 60"
wait_for "console opens as alice" c "alice ("
tm send-keys -t c :
tm send-keys -t c -l "approvals all"
tm send-keys -t c Enter
wait_for ":approvals" c "[approvals]"
expect 0 "bob approves as his own account" by "$B" approve "$R" --comment "from bob's account" --db "$DB" --key "$(key "$B" bob)"
wait_for "alice's console follows bob's entry" c "ledger verified to #$(sqlite3 "$DB" "SELECT max(seq) FROM ledger")"
lacks "no store error in the console" "$(capture c)" "read-only"

# The ledger names the signing key and the account: both.
BODY=$(sqlite3 "$DB" "SELECT body FROM ledger WHERE actor = 'bob' ORDER BY seq DESC LIMIT 1")
has "the entry names bob as the actor" "$BODY" '"actor":"bob"'
has "and the Unix account that ran it" "$BODY" "\"account\":\"$B\""
BODY=$(sqlite3 "$DB" "SELECT body FROM ledger WHERE actor = 'alice' ORDER BY seq DESC LIMIT 1")
has "alice's entries name hers" "$BODY" "\"account\":\"$A\""

# --- checkpoints: only the log signer signs; the others' entries wait for it ---
expect 1 "bob cannot sign checkpoints" by "$B" checkpoint --db "$DB"
has "says who can" "$ERR" "only the log signer signs checkpoints"
# covered SIZE: audit verify (as bob) says the newest checkpoint covers SIZE entries.
size() { sqlite3 "$DB" "SELECT max(seq) FROM ledger"; }
covered() {
	by "$B" audit verify --db "$DB" 2>&1 | grep -q "(newest covers $1)"
}
N=$(size)
expect 0 "bob's signed entry verifies before any checkpoint covers it" by "$B" audit verify --db "$DB"
covered "$N" && fail "bob's entry was covered by a checkpoint nobody could sign" || ok
expect 0 "alice signs" by "$A" checkpoint --db "$DB"
has "a new checkpoint" "$OUT" "signed checkpoint at size $N"
covered "$N" && ok || fail "alice's checkpoint does not cover bob's entry"
expect 0 "signing again is a no-op" by "$A" checkpoint --db "$DB" --json
has "nothing new" "$OUT" '"signed": false' 
same "witness readable by the group" "$(stat -c '%a %G' "$DB.witness")" "640 $G"
# --watch: alice's signer signs bob's next entry as it arrives.
# setpriv execs steward itself (runuser would stay as its parent), so TERM reaches it.
setpriv --reuid "$A" --regid nogroup --init-groups env HOME="$SHARE/home-$A" STEWARD_NOW="$STEWARD_NOW" \
	"$S" checkpoint --watch --interval 0.2 --db "$DB" >"$TMPD/watch.out" 2>"$TMPD/watch.err" &
WATCH=$!
expect 2 "--interval that is not a number" by "$A" checkpoint --watch --interval soon --db "$DB"
expect 2 "--interval without --watch" by "$A" checkpoint --interval 1 --db "$DB"
expect 0 "bob opens an incident" by "$B" incident open fraud --severity info --title "bob's note" --db "$DB" --key "$(key "$B" bob)"
N=$(size)
i=0
while ! covered "$N" && [ $i -lt $((50 * STEWARD_SLOW)) ]; do sleep 0.2; i=$((i + 1)); done
covered "$N" && ok || fail "the watcher did not sign bob's entry $N"
kill -TERM "$WATCH"
wait "$WATCH"
same "the watcher stops cleanly on TERM" "$?" 0
same "the watcher reported no error" "$(cat "$TMPD/watch.err")" ""
has "the watcher said what it signed" "$(cat "$TMPD/watch.out")" "signed checkpoint at size"

# --- read-only: a member with --readonly writes nothing ---
WAL_BEFORE=$(stat -c %Y.%s "$DB-wal")
expect 0 "bob reads with --readonly" by "$B" model list --db "$DB" --readonly
has "sees the model" "$OUT" fraud
expect 2 "--readonly refuses a write" by "$B" approve "$R" --db "$DB" --key "$(key "$B" bob)" --readonly
has "names the command" "$ERR" "--readonly: 'steward approve' writes to the store"

# --- an auditor without write permission: read access only ---
expect 1 "carol, not a member, cannot read it" by "$C" model list --db "$DB"
has "says why" "$ERR" "$DB"
# What README's 'for a team' says to give an auditor: read and pass, no write.
chmod o+x "$SHARE/team" && chmod o+r "$DB" "$DB-wal" "$DB-shm"
ls -la "$SHARE/team" >"$TMPD/before.ls"
expect 0 "carol lists the models" by "$C" model list --db "$DB"
has "she sees them" "$OUT" fraud
expect 0 "carol verifies the ledger" by "$C" audit verify --db "$DB"
expect 1 "carol cannot write" by "$C" model add other --tier low --owner x --db "$DB"
has "the refusal says the console still works" "$ERR" "is not writable by this account"
ls -la "$SHARE/team" >"$TMPD/after.ls"
same "carol's reads created and changed no file" "$(cat "$TMPD/after.ls")" "$(cat "$TMPD/before.ls")"
# alice writes again; carol sees it without write access to -shm.
expect 0 "alice adds a model" by "$A" model add churn --tier low --owner growth --db "$DB" --key "$(key "$A" alice)"
expect 0 "carol sees the new model" by "$C" model list --db "$DB"
has "churn is there" "$OUT" churn
# The console opens read-only by itself for her.
: >"$SHARE/home-$C/keys" && chown "$C" "$SHARE/home-$C/keys"
expect 0 "carol's console, headless" by "$C" --db "$DB" --script "$SHARE/home-$C/keys" --dump "$SHARE/home-$C/screen" --size 120x20
SCREEN=$(cat "$SHARE/home-$C/screen" 2>/dev/null)
has "the header says read-only, and why" "$SCREEN" "[read-only: no write permission]"
has "it shows the estate" "$SCREEN" "fraud"

# --- --group-logkey: every member signs checkpoints ---
DB2="$SHARE/team2/steward.db"
expect 0 "a store whose group signs" by "$A" init --db "$DB2" --group "$G" --group-logkey --admin alice2 --admin-key "$(key "$A" alice)"
same "log key 0640 for the group" "$(stat -c '%a %G' "$DB2.logkey")" "640 $G"
expect 0 "alice enrols bob there" by "$A" principal add bob --role risk-officer --pubkey "$SHARE/bob.pub" --db "$DB2" --key "$(key "$A" alice)"
expect 0 "a model there" by "$A" model add fraud --tier low --owner risk --db "$DB2" --key "$(key "$A" alice)"
expect 0 "bob's entry" by "$B" incident open fraud --severity info --title x --db "$DB2" --key "$(key "$B" bob)"
N2=$(sqlite3 "$DB2" "SELECT max(seq) FROM ledger")
expect 0 "bob signs the checkpoint himself" by "$B" checkpoint --db "$DB2"
expect 0 "and verifies it covered" by "$B" audit verify --db "$DB2"
has "covers every entry" "$OUT" "(newest covers $N2)"
# A log key others may read is refused, group or not.
chmod 644 "$DB2.logkey"
expect 1 "a world-readable log key" by "$B" checkpoint --db "$DB2"
has "says so" "$ERR" "is readable by others"
chmod 640 "$DB2.logkey" && chgrp nogroup "$DB2.logkey"
expect 1 "a log key of another group" by "$A" checkpoint --db "$DB2"
has "refused too" "$ERR" "is readable by others"

# alice's console is still fine, and quits cleanly.
tm send-keys -t c Escape q
i=0
while [ ! -s "$TMPD/c.exit" ] && [ "$i" -lt $((WAIT * STEWARD_SLOW * 10)) ]; do sleep 0.1; i=$((i + 1)); done
same "alice's console exit status" "$(cat "$TMPD/c.exit" 2>/dev/null)" 0
same "no stderr from alice's console" "$(cat "$TMPD/c.err")" ""
expect 0 "integrity" sqlite3 "$DB" "PRAGMA integrity_check"
same "integrity ok" "$OUT" ok

finish
