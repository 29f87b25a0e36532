interface Props {
  readonly message: string;
  readonly onDismiss: () => void;
  /** One follow-up the message calls for (e.g. run the rule again after the engine restarted). */
  readonly action?: { readonly label: string; readonly onClick: () => void };
}

export function ErrorBanner({ message, onDismiss, action }: Props) {
  return (
    <div className="error-banner" role="alert">
      <span>{message}</span>
      {action && (
        <button type="button" className="button button-small" onClick={action.onClick}>
          {action.label}
        </button>
      )}
      <button type="button" className="button button-small button-quiet" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
