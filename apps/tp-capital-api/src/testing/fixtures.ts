// The real channel post shared by every project's specs.
export { SIGNAL_TEXT } from '@tp/testing';
