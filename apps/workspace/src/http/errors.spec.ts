import express from 'express';
import request from 'supertest';
import winston from 'winston';
import { errorMiddleware } from '@tp/service-kit';
import { ClientError, databaseErrors, workspaceErrorEnvelope } from './errors';

/** An app whose only route fails with `error`, answered by the real error handler. */
function failingWith(error: unknown) {
  const app = express();
  app.get('/', () => {
    throw error;
  });
  const logger = winston.createLogger({ silent: true });
  app.use(errorMiddleware({ logger, envelope: workspaceErrorEnvelope, translate: [databaseErrors(logger)] }));
  return app;
}

/** What node-postgres raises, wrapped the way Drizzle wraps it. */
function databaseError(code: string, constraint?: string) {
  const cause = Object.assign(new Error('new row for relation "workspace_items" violates check constraint'), { code, constraint });
  return Object.assign(new Error('Failed query: insert into "workspace"."workspace_items" ... params: ...'), { cause });
}

describe('the workspace error envelope', () => {
  it('answers a ClientError with its status and field errors', async () => {
    const res = await request(failingWith(new ClientError(400, [{ field: 'title', message: 'is required' }]))).get('/').expect(400);
    expect(res.body).toEqual({ success: false, errors: [{ field: 'title', message: 'is required' }] });
  });

  it('answers a check constraint the database enforces with 400 naming the field', async () => {
    const res = await request(failingWith(databaseError('23514', 'workspace_items_category_check'))).get('/').expect(400);
    expect(res.body).toEqual({ success: false, errors: [{ field: 'category', message: 'is not accepted by the database (constraint workspace_items_category_check)' }] });
  });

  it.each([
    ['22P05', 'contains text the database cannot store'],
    ['22021', 'contains text the database cannot store'],
    ['22001', 'has a value longer than the database allows'],
  ])('answers SQLSTATE %s with 400 and no query text', async (code, message) => {
    const res = await request(failingWith(databaseError(code))).get('/').expect(400);
    expect(res.body).toEqual({ success: false, errors: [{ field: 'body', message }] });
  });

  it('keeps 500 for errors that are not about the request, without details', async () => {
    const res = await request(failingWith(new Error('secret detail'))).get('/').expect(500);
    expect(res.body).toEqual({ success: false, message: 'Internal error' });
  });
});
