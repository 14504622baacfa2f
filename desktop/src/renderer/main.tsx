// The desktop entry: the preload has already exposed window.chat.
import './csp-safe-zod';
import { mount } from './mount';

mount({ defaultServerUrl: 'http://127.0.0.1:4000' });
