import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A dialog whose action stays disabled until the exact word is typed; focus starts on Cancel,
 * so Enter or a stray click never destroys anything.
 */
export function TypedConfirm(props: {
  title: string;
  prompt: string;
  word: string;
  action: string;
  danger?: boolean;
  children?: ReactNode;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState('');
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="dialog-title" className="dialog" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
        <h2 id="dialog-title">{props.title}</h2>
        {props.children}
        <label>
          {props.prompt}
          <input value={typed} onChange={(e) => setTyped(e.target.value)} aria-label={props.prompt} autoComplete="off" spellCheck={false} />
        </label>
        <div className="buttons">
          <button type="button" ref={cancel} onClick={props.onCancel}>
            {t('restore.cancel')}
          </button>
          <button type="button" className={props.danger ? 'danger' : 'primary'} disabled={typed !== props.word || props.busy} onClick={props.onConfirm}>
            {props.action}
          </button>
        </div>
      </div>
    </div>
  );
}
