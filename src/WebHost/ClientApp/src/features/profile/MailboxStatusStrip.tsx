import { useQuery } from "@tanstack/react-query";
import { adviceFor, relativeTime, stateWords } from "../../shared/words";
import { fetchMailboxStatus, mailboxStatusKey } from "./api";

/** The mailbox's sync at a glance; the live channel keeps it current. */
export function MailboxStatusStrip() {
  const status = useQuery({ queryKey: mailboxStatusKey, queryFn: fetchMailboxStatus });
  if (!status.data) {
    return (
      <section className="status-strip" aria-label="Mailbox status">
        <span className="muted">{status.isError ? "The mailbox status could not be loaded." : "Loading the mailbox status…"}</span>
      </section>
    );
  }
  const { state, lastSyncAt, messages, quarantined, error, errorKind, silo } = status.data;
  return (
    <section className="status-strip" aria-label="Mailbox status">
      <dl>
        <div>
          <dt>State</dt>
          <dd>
            <span className={`state state-${state}`} data-testid="mailbox-state">
              {stateWords[state] ?? state}
            </span>
          </dd>
        </div>
        <div>
          <dt>Last sync</dt>
          <dd>{lastSyncAt ? <time dateTime={lastSyncAt} title={new Date(lastSyncAt).toLocaleString()}>{relativeTime(lastSyncAt)}</time> : "never"}</dd>
        </div>
        <div>
          <dt>Messages</dt>
          <dd>{messages.toLocaleString("en")}</dd>
        </div>
        <div>
          <dt>Quarantined</dt>
          <dd>{quarantined > 0 ? <a href="#quarantine">{quarantined}</a> : quarantined}</dd>
        </div>
        {silo && (
          <div className="status-silo">
            <dt>Silo</dt>
            <dd>{silo}</dd>
          </div>
        )}
      </dl>
      {error && (
        <p className="status-error" role="alert">
          <strong>{error}</strong> {adviceFor(errorKind)}
        </p>
      )}
    </section>
  );
}
