#!/usr/bin/env bash
# Starts a throw-away Dovecot IMAP server on 127.0.0.1:$IMAPPORT with one
# passwd-file user and maildirs under $DOVEDIR, and prints the URL for
# AFTERSALES_TEST_IMAP. Used by .ci/run and by developers who want the
# email tests to run against a real Dovecot (Debian's dovecot-imapd).
set -euo pipefail
IMAPPORT=${IMAPPORT:-31143}
DOVEDIR=${DOVEDIR:-/tmp/aftersales-dovecot}
command -v dovecot >/dev/null || { echo "dovecot.sh: dovecot not found (apt-get install dovecot-imapd)" >&2; exit 1; }
# Mail is owned by the unprivileged "mail" user: Dovecot refuses root as
# a mail uid.
uid=$(id -u mail) gid=$(id -g mail)
mkdir -p "$DOVEDIR/run" "$DOVEDIR/mail"
chown -R "$uid:$gid" "$DOVEDIR/mail"
chmod 755 "$DOVEDIR"
echo "support:{PLAIN}s3cret:$uid:$gid::$DOVEDIR/mail/support" > "$DOVEDIR/passwd"
cat > "$DOVEDIR/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $DOVEDIR/run
state_dir = $DOVEDIR/state
instance_name = aftersales-test-$IMAPPORT
log_path = $DOVEDIR/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = $uid
first_valid_gid = $gid
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = scheme=PLAIN $DOVEDIR/passwd
}
userdb {
  driver = passwd-file
  args = $DOVEDIR/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAPPORT
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
mkdir -p "$DOVEDIR/state"
# The master daemonizes; an already running instance is reused.
if ! (exec 3<>/dev/tcp/127.0.0.1/$IMAPPORT) 2>/dev/null; then
  dovecot -c "$DOVEDIR/dovecot.conf"
fi
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$IMAPPORT) 2>/dev/null && break
  sleep 0.1
done
(exec 3<>/dev/tcp/127.0.0.1/$IMAPPORT) 2>/dev/null || { echo "dovecot.sh: dovecot did not start; see $DOVEDIR/dovecot.log" >&2; exit 1; }
echo "imap://support:s3cret@127.0.0.1:$IMAPPORT/INBOX"
