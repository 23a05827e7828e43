import { useEffect, useState } from "react";
import { HubConnectionBuilder, LogLevel } from "@microsoft/signalr";
import { useInfiniteQuery, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { PageHeader, SelectField } from "../../shared/ui";
import { relativeTime, stateWords } from "../../shared/words";
import { listMailboxes, listSilos, overviewKey, silosKey, type OverviewPage, type PresenceChange } from "./api";
import { mergePresence } from "./presence";

const stateOptions = [{ value: "", label: "All" }, ...Object.entries(stateWords).map(([value, label]) => ({ value, label }))];

/** Pushes from `/hubs/operations` patch the loaded rows; the silos' counts are fetched again. */
function useOperationsFeed(filter: string) {
  const queryClient = useQueryClient();
  const [live, setLive] = useState<"connecting" | "live" | "reconnecting">("connecting");

  useEffect(() => {
    const connection = new HubConnectionBuilder()
      .withUrl("/hubs/operations")
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => Math.min(10_000, 1000 * (context.previousRetryCount + 1)) })
      .configureLogging(LogLevel.None)
      .build();
    connection.on("mailboxPresence", (changes: PresenceChange[]) => {
      let stale = false;
      queryClient.setQueryData<InfiniteData<OverviewPage, string | null>>(overviewKey(filter), (data) => {
        if (!data) return data;
        const merged = mergePresence(data.pages, changes, filter);
        stale = merged.stale;
        return { ...data, pages: merged.pages };
      });
      if (stale) void queryClient.invalidateQueries({ queryKey: overviewKey(filter) });
      void queryClient.invalidateQueries({ queryKey: silosKey });
    });
    connection.onreconnecting(() => setLive("reconnecting"));
    connection.onreconnected(() => {
      setLive("live");
      void queryClient.invalidateQueries({ queryKey: ["operations"] });
    });
    let stopped = false;
    connection
      .start()
      .then(() => !stopped && setLive("live"))
      .catch(() => !stopped && setLive("reconnecting"));
    return () => {
      stopped = true;
      void connection.stop();
    };
  }, [queryClient, filter]);

  return live;
}

export function OperationsPage() {
  const [params, setParams] = useSearchParams();
  const filter = params.get("state") ?? "";
  const live = useOperationsFeed(filter);
  const silos = useQuery({ queryKey: silosKey, queryFn: listSilos });
  const mailboxes = useInfiniteQuery({
    queryKey: overviewKey(filter),
    queryFn: ({ pageParam }) => listMailboxes(filter, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
  const rows = mailboxes.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <PageHeader title="Operations">
        <span className={`live live-${live === "live" ? "connected" : live}`} role="status">
          <span className="live-dot" aria-hidden="true" />
          {live === "live" ? "Live" : live === "connecting" ? "Connecting…" : "Reconnecting…"}
        </span>
      </PageHeader>

      <section className="card" aria-labelledby="silos-heading">
        <h2 id="silos-heading" className="card-title">Silos</h2>
        {silos.isError ? (
          <p className="card-body">The silos could not be loaded: {silos.error.message}</p>
        ) : (
          <table className="table" aria-labelledby="silos-heading">
            <thead>
              <tr>
                <th scope="col">Silo</th>
                <th scope="col">Status</th>
                <th scope="col">Mailboxes</th>
              </tr>
            </thead>
            <tbody>
              {(silos.data ?? []).map((silo) => (
                <tr key={silo.silo}>
                  <td>{silo.silo}</td>
                  <td>{silo.status}</td>
                  <td>{silo.mailboxes}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="mailboxes-heading">
        <div className="card-toolbar">
          <h2 id="mailboxes-heading" className="card-title">Mailboxes</h2>
          <SelectField
            label="State"
            className="toolbar-field"
            options={stateOptions}
            value={filter}
            onChange={(event) => setParams(event.target.value ? { state: event.target.value } : {}, { replace: true })}
          />
        </div>
        {mailboxes.isError ? (
          <p className="card-body">The mailboxes could not be loaded: {mailboxes.error.message}</p>
        ) : (
          <table className="table" aria-labelledby="mailboxes-heading">
            <thead>
              <tr>
                <th scope="col">Admin</th>
                <th scope="col">State</th>
                <th scope="col">Last sync</th>
                <th scope="col">Messages</th>
                <th scope="col">Quarantined</th>
                <th scope="col">Silo</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.adminId}>
                  <td>
                    <span className="cell-strong">{row.name}</span>
                    <span className="muted cell-sub">{row.login}</span>
                  </td>
                  <td>
                    <span className={`state state-${row.state}`}>{stateWords[row.state] ?? row.state}</span>
                    {row.error && <span className="cell-error cell-sub">{row.error}</span>}
                  </td>
                  <td>{row.lastSyncAt ? relativeTime(row.lastSyncAt) : "never"}</td>
                  <td>{row.messages}</td>
                  <td>{row.quarantined}</td>
                  <td>{row.silo ?? <span className="muted">none</span>}</td>
                </tr>
              ))}
              {mailboxes.isSuccess && rows.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">No mailbox is {stateWords[filter]?.toLowerCase() ?? "listed"}.</td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </section>
      {mailboxes.hasNextPage && (
        <div className="load-more">
          <button type="button" className="button" disabled={mailboxes.isFetchingNextPage} onClick={() => void mailboxes.fetchNextPage()}>
            {mailboxes.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </>
  );
}
