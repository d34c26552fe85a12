import { simulate } from './engine.ts';
const r = simulate({ staff: 2000, customers: 200000, days: 5, seed: 1 });
console.log(JSON.stringify({ ...r, series: undefined }, null, 1));
