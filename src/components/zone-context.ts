/** The display zone every widget reads: one switch in the header, applied everywhere. */
import { createContext, useContext } from 'react';
import type { DisplayZone } from './zone';

export const ZoneContext = createContext<DisplayZone>('UTC');

export function useZone(): DisplayZone {
  return useContext(ZoneContext);
}
