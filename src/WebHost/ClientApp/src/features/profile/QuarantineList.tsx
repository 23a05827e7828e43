import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Notice, Section } from "../../shared/ui";
import { dropQuarantined, getQuarantine, mailboxStatusKey, quarantineKey, retryQuarantined } from "./api";

/** Messages the sync could not store: the owner retries or drops them. */
export function QuarantineList() {
  const queryClient = useQueryClient();
  const held = useQuery({ queryKey: quarantineKey, queryFn: getQuarantine });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: quarantineKey }), queryClient.invalidateQueries({ queryKey: mailboxStatusKey })]);
  const retry = useMutation({ mutationFn: retryQuarantined, onSettled: refresh });
  const drop = useMutation({ mutationFn: dropQuarantined, onSettled: refresh });
  const items = held.data ?? [];

  return (
    <div id="quarantine">
      <Section title="Quarantine" description="Messages that could not be stored. They do not block the rest of the mailbox.">
        {retry.data && !retry.data.ok && <Notice tone="error" title="Still failing">The message could not be stored again; it stays here.</Notice>}
        {(retry.error || drop.error) && <Notice tone="error" title="That did not work">{(retry.error ?? drop.error)?.message}</Notice>}
        {items.length === 0 ? (
          <p className="muted">{held.isLoading ? "Loading…" : "Nothing is held: every message was stored."}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Folder</th>
                <th scope="col">Error</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>{item.subject ?? "(no subject)"}</td>
                  <td>
                    {item.folder} <span className="muted">#{item.uid}</span>
                  </td>
                  <td className="cell-error">{item.error}</td>
                  <td>
                    <time dateTime={item.at}>{new Date(item.at).toLocaleString()}</time>
                  </td>
                  <td className="cell-actions">
                    <button type="button" className="button" onClick={() => retry.mutate(item.id)} disabled={retry.isPending}>
                      Retry
                    </button>
                    <button type="button" className="button button-danger" onClick={() => drop.mutate(item.id)} disabled={drop.isPending}>
                      Drop
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
