import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { createEngineClient } from './engine/worker/client';
import { createRestartableClient } from './engine/worker/restartable-client';
import './app.css';
import './detail.css';
import './explain.css';

// One engine for the page's lifetime, started before the first render so the worker loads with the page;
// if the worker crashes, the next request starts a fresh one and reloads the files (restartable-client).
const client = createRestartableClient(() => createEngineClient());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
