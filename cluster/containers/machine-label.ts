/** Docker label naming the lab machine a container plays (beside io.kindlab.session and io.kindlab.lab). */
export const LABEL_MACHINE = 'io.kindlab.machine';
