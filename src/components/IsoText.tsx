import { TimeText } from './TimeText';

const ISO_IN_TEXT = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z)/;

/** Engine text with its ISO times shown in the display zone (the rest stays inert text). */
export function IsoText({ text, digits }: { readonly text: string; readonly digits?: number }) {
  return (
    <>
      {text
        .split(ISO_IN_TEXT)
        .map((part, i) =>
          i % 2 === 1 ? <TimeText key={i} iso={part} {...(digits !== undefined ? { digits } : {})} /> : part,
        )}
    </>
  );
}
