import { useEffect, useState } from "preact/hooks";
import { parseHash, toHash, type ViewState } from "./state.js";

export interface Resource<T> {
  data?: T | undefined;
  error?: Error | undefined;
  loading: boolean;
}

/**
 * Load `load()` whenever `key` changes; a stale answer (the key changed meanwhile) is dropped. The previous
 * data stays visible while the next loads, so the page does not jump.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<Resource<T>>({ loading: key !== null });
  // `key` names everything `load` depends on, so it alone decides when to reload.
  useEffect(() => {
    if (key === null) return;
    let current = true;
    setState((s) => ({ data: s.data, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key]);
  return state;
}

/** The view in the URL hash, and a way to change it (a new history entry unless `replace`). */
/** A change to the view; `undefined` clears a value. */
export type Patch = { [K in keyof ViewState]?: ViewState[K] | undefined };
export type Navigate = (patch: Patch, replace?: boolean) => void;

export function useHashState(): [ViewState, Navigate] {
  const [state, setState] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setState(parseHash(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  const navigate: Navigate = (patch, replace = false) => {
    const next = toHash({ ...parseHash(location.hash), ...patch } as ViewState);
    if (next === location.hash) return;
    if (replace) {
      history.replaceState(null, "", next);
      setState(parseHash(next));
    } else location.hash = next;
  };
  return [state, navigate];
}
