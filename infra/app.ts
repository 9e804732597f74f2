import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { app } from '../examples/app/tasks.js';
import { ExampleStack } from './example-stack.js';

const tasksModule = fileURLToPath(new URL('../examples/app/tasks.ts', import.meta.url));
const cdkApp = new App();
new ExampleStack(cdkApp, 'CeleriacExample', { app, tasksModule: path.relative(process.cwd(), tasksModule) });
