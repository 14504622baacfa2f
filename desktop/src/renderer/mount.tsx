import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './styles.css';

export interface MountOptions {
  /** What the server field starts with: the page's origin on the web, the local API on desktop. */
  defaultServerUrl: string;
  /**
   * The web client: the server is the page's own origin (its CSP allows no other), so
   * there is no Server field, and each open conversation has an address (`/c/ID`).
   */
  web?: boolean;
}

export function mount(options: MountOptions): void {
  const root = document.getElementById('root');
  if (root === null) throw new Error('index.html has no #root element');
  createRoot(root).render(
    <StrictMode>
      <App defaultServerUrl={options.defaultServerUrl} web={options.web ?? false} />
    </StrictMode>,
  );
}
