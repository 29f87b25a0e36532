import { useRef, useState, type DragEvent, type ReactNode } from 'react';

interface Props {
  readonly onFiles: (files: readonly File[]) => void;
  readonly children: ReactNode;
}

function carriesFiles(e: DragEvent): boolean {
  return [...e.dataTransfer.types].includes('Files');
}

/** The whole page accepts dropped files; an overlay says so while files are dragged over it. */
export function DropZone({ onFiles, children }: Props) {
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child element crossed, so count them.
  const depth = useRef(0);
  return (
    <div
      className="drop-zone"
      onDragEnter={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (!carriesFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current = 0;
        setOver(false);
        const files = [...e.dataTransfer.files];
        if (files.length > 0) onFiles(files);
      }}
    >
      {children}
      {over && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card">Drop Defender exports to analyse them locally</div>
        </div>
      )}
    </div>
  );
}
