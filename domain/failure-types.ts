/** The failure type of an activity that Postgres refused for its data: retrying cannot help, so the order ends instead of waiting. */
export const PERMANENT_DATA_ERROR = 'PermanentDataError';
