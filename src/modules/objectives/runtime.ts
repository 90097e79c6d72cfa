/** LISTEN/NOTIFY channels: ids only, payloads are read from the tables. */
export const WORK_CHANNEL = 'sortie_work'
export const CANCEL_CHANNEL = 'sortie_cancel'
