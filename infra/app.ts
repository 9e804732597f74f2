import { App } from 'aws-cdk-lib';
import { app } from '../examples/app/tasks.js';
import { ExampleStack } from './example-stack.js';

const cdkApp = new App();
new ExampleStack(cdkApp, 'CeleriacExample', { app });
