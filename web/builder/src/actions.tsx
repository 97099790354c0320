import { useRef, useState } from 'react';

export interface Message {
  ok: boolean;
  text: string;
}

/**
 * A panel's actions: each runs, then says what happened (or the server's error) and reloads the
 * panel. `act` resolves to whether the action worked.
 */
export function useActions(reload: () => Promise<unknown>) {
  const [message, setMessage] = useState<Message | null>(null);
  // The newest reload, whatever render made `act`.
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  const act = async (work: () => Promise<unknown>, done: string): Promise<boolean> => {
    try {
      await work();
      setMessage({ ok: true, text: done });
      await reloadRef.current();
      return true;
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
      return false;
    }
  };
  return { message, setMessage, act };
}

/** What the last action said: a status, or an alert. */
export function ActionMessage({ message }: { message: Message | null }) {
  if (!message) return null;
  return (
    <p className={message.ok ? 'ok' : 'error'} role={message.ok ? 'status' : 'alert'}>
      {message.text}
    </p>
  );
}
