interface Props {
  readonly message: string;
  readonly onDismiss: () => void;
}

export function ErrorBanner({ message, onDismiss }: Props) {
  return (
    <div className="error-banner" role="alert">
      <span>{message}</span>
      <button type="button" className="button button-small button-quiet" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
