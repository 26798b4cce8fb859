// The poll-until helper lives beside the demo (it runs in npm start); tests keep importing it from here.
export { waitFor, type WaitOptions } from '../lab/wait.js';
