import {
  createContext,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { ICON_BUTTON } from './buttons';

interface MenuControl {
  /** Closes the menu and puts focus back on its button. */
  close: () => void;
}

const MenuContext = createContext<MenuControl | null>(null);

function useMenu(): MenuControl {
  const control = useContext(MenuContext);
  if (control === null) throw new Error('a menu item must be inside a MenuButton');
  return control;
}

const ITEM =
  'flex w-full items-center gap-3 rounded-md px-2.5 py-1.5 text-left text-sm text-zinc-800 hover:bg-zinc-100 focus-visible:bg-blue-600 focus-visible:text-white focus-visible:outline-none dark:text-zinc-100 dark:hover:bg-zinc-800 dark:focus-visible:bg-blue-600';

function items(menu: HTMLElement | null): HTMLElement[] {
  return [...(menu?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
}

/**
 * An icon button that opens a menu, after the WAI-ARIA menu button pattern: arrows, Home
 * and End move between items, Escape closes and returns focus to the button, Tab and a
 * click elsewhere close it.
 */
export function MenuButton({
  label,
  icon,
  children,
}: {
  label: string;
  icon: ReactNode;
  children: ReactNode;
}) {
  const [open, setOpen] = useState<'first' | 'last' | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (open === null) return;
    const all = items(menu.current);
    (open === 'first' ? all[0] : all.at(-1))?.focus();
    const outside = (event: PointerEvent) => {
      if (!(event.target instanceof Node) || !root.current?.contains(event.target)) setOpen(null);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  // Focus goes back to the button before an item acts, so a dialog the item opens
  // returns focus there (not to the body) when it closes.
  const control: MenuControl = {
    close: () => {
      button.current?.focus();
      setOpen(null);
    },
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const all = items(menu.current);
    const at = all.indexOf(document.activeElement as HTMLElement);
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = (at + 1) % all.length;
    else if (event.key === 'ArrowUp') next = (at - 1 + all.length) % all.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = all.length - 1;
    else if (event.key === 'Escape') {
      event.preventDefault();
      control.close();
      return;
    } else if (event.key === 'Tab') {
      setOpen(null);
      return;
    }
    if (next === null) return;
    event.preventDefault();
    all[next]?.focus();
  };

  return (
    <div ref={root} className="relative">
      <button
        ref={button}
        type="button"
        className={`${ICON_BUTTON} aria-expanded:bg-zinc-200 aria-expanded:text-zinc-900 dark:aria-expanded:bg-zinc-800 dark:aria-expanded:text-zinc-100`}
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open !== null}
        aria-controls={open !== null ? menuId : undefined}
        onClick={() => setOpen((was) => (was === null ? 'first' : null))}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
            event.preventDefault();
            setOpen(event.key === 'ArrowDown' ? 'first' : 'last');
          }
        }}
      >
        {icon}
      </button>
      {open !== null && (
        <MenuContext.Provider value={control}>
          <div
            ref={menu}
            id={menuId}
            role="menu"
            aria-label={label}
            onKeyDown={onMenuKeyDown}
            className="absolute top-full right-0 z-30 mt-1 flex w-60 flex-col rounded-xl border border-zinc-200 bg-white p-1.5 shadow-lg dark:border-zinc-700 dark:bg-zinc-900 dark:shadow-black/40"
          >
            {children}
          </div>
        </MenuContext.Provider>
      )}
    </div>
  );
}

/** A menu entry that acts and closes the menu. */
export function MenuItem({
  icon,
  children,
  onSelect,
}: {
  icon?: ReactNode;
  children: ReactNode;
  onSelect: () => void;
}) {
  const menu = useMenu();
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      className={ITEM}
      onClick={() => {
        menu.close();
        onSelect();
      }}
    >
      <span className="flex size-5 shrink-0 items-center justify-center opacity-80">{icon}</span>
      <span className="min-w-0 flex-1 truncate">{children}</span>
    </button>
  );
}

/** An on/off entry; it stays open so the new state can be seen. */
export function MenuCheckboxItem({
  icon,
  checked,
  children,
  onToggle,
}: {
  icon?: ReactNode;
  checked: boolean;
  children: ReactNode;
  onToggle: () => void;
}) {
  return (
    <button
      type="button"
      role="menuitemcheckbox"
      aria-checked={checked}
      tabIndex={-1}
      className={ITEM}
      onClick={onToggle}
    >
      <span className="flex size-5 shrink-0 items-center justify-center opacity-80">{icon}</span>
      <span className="min-w-0 flex-1 truncate">{children}</span>
      <span
        aria-hidden="true"
        className={`relative inline-flex h-4 w-7 shrink-0 items-center rounded-full transition-colors motion-reduce:transition-none ${
          checked ? 'bg-amber-500' : 'bg-zinc-300 dark:bg-zinc-600'
        }`}
      >
        <span
          className={`inline-block size-3 rounded-full bg-white shadow transition-transform motion-reduce:transition-none ${
            checked ? 'translate-x-3.5' : 'translate-x-0.5'
          }`}
        />
      </span>
    </button>
  );
}

export function MenuSeparator() {
  return <div role="separator" className="my-1 h-px bg-zinc-200 dark:bg-zinc-700" />;
}
