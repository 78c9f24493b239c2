export * from './tp-capital';
export * from './workspace';
