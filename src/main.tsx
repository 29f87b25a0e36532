import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { createEngineClient } from './engine/worker/client';
import './app.css';
import './detail.css';
import './explain.css';

// One engine for the page's lifetime, started before the first render so the worker loads with the page.
const client = createEngineClient();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
