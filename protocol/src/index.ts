export * from './limits';
export * from './emoji';
export * from './errors';
export * from './models';
export * from './rest';
export * from './routes';
export * from './socket';
export * from './validate';
