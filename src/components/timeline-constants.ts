/** Shared geometry of the timeline and its overview strip (viewBox units). */
export const TIMELINE_WIDTH_OVERVIEW = 960;
