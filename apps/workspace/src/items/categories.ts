import { WORKSPACE_CATEGORIES } from '@tp/db-schema';
import { bool, HttpError, int, json, obj, str, type RouteSpec } from '@tp/service-kit';
import type { CategoryUsage, ItemRepository } from './repository';
import { categoriesQuerySchema, listResponse, type CATEGORY_ORDERS } from './validation';

/** A category as the dashboard reads it (the original TimescaleDB-era row shape). */
export interface CategoryJson {
  id: string;
  name: string;
  display_name: string;
  description: string | null;
  color: string | null;
  icon: string | null;
  display_order: number;
  is_active: boolean;
  item_count: number;
  created_at: string | null;
  updated_at: string | null;
}

const BUILT_IN: Record<(typeof WORKSPACE_CATEGORIES)[number], { display_name: string; description: string }> = {
  documentacao: { display_name: 'Documentação', description: 'Documentação técnica e manuais' },
  'coleta-dados': { display_name: 'Coleta de Dados', description: 'Coleta e ingestão de dados' },
  'banco-dados': { display_name: 'Banco de Dados', description: 'Modelagem e operação de bancos de dados' },
  'analise-dados': { display_name: 'Análise de Dados', description: 'Análises e relatórios' },
  'gestao-riscos': { display_name: 'Gestão de Riscos', description: 'Controles e gestão de riscos' },
  dashboard: { display_name: 'Dashboard', description: 'Painéis e visualizações' },
};

/** Places categories of our own after the built-in ones. */
const FIRST_CUSTOM_ORDER = 100;

/**
 * The categories: the six the original service shipped with, then every other category an item
 * uses (categories are dynamic slugs), each with its item count and first/last item activity.
 */
export function categoryList(usage: CategoryUsage[]): CategoryJson[] {
  const byName = new Map(usage.map((u) => [u.name, u]));
  const json = (name: string, order: number): CategoryJson => {
    const used = byName.get(name);
    const builtIn = BUILT_IN[name as keyof typeof BUILT_IN];
    return {
      id: name,
      name,
      display_name: builtIn?.display_name ?? name,
      description: builtIn?.description ?? null,
      color: null,
      icon: null,
      display_order: order,
      is_active: true,
      item_count: used?.items ?? 0,
      created_at: used ? used.firstCreatedAt.toISOString() : null,
      updated_at: used ? used.lastUpdatedAt.toISOString() : null,
    };
  };
  const custom = usage.map((u) => u.name).filter((name) => !(name in BUILT_IN)).sort();
  return [...WORKSPACE_CATEGORIES.map((name, i) => json(name, i + 1)), ...custom.map((name, i) => json(name, FIRST_CUSTOM_ORDER + i))];
}

function sortCategories(list: CategoryJson[], orderBy: (typeof CATEGORY_ORDERS)[number]): CategoryJson[] {
  const key = (c: CategoryJson): string | number => (orderBy === 'display_order' ? c.display_order : (c[orderBy] ?? '\uffff'));
  return [...list].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : a.name.localeCompare(b.name);
  });
}

const categorySchema = obj({ id: str, name: str, display_name: str, display_order: int, is_active: bool, item_count: int });

/** `GET <prefix>` and `GET <prefix>/:name`; the app mounts them at `/api/categories` and `/categories`. */
export function categoryRoutes(items: ItemRepository, prefix: string): RouteSpec[] {
  const tag = 'categories';
  return [
    {
      method: 'get',
      path: prefix,
      summary: 'The built-in categories, then every other category an item uses, with item counts',
      tag,
      query: categoriesQuerySchema,
      responses: { 200: listResponse('The categories', categorySchema), 400: 'Invalid query' },
      handler: async ({ res, query }) => {
        // Every category listed is in use or built in, so active_only leaves the list as it is.
        const data = sortCategories(categoryList(await items.categoryUsage()), query.order_by as (typeof CATEGORY_ORDERS)[number]);
        res.json({ success: true, count: data.length, data });
      },
    },
    {
      method: 'get',
      path: `${prefix}/:name`,
      summary: 'One category',
      tag,
      responses: { 200: json('The category', obj({ success: { const: true }, data: categorySchema })), 404: 'No such category' },
      handler: async ({ req, res }) => {
        const category = categoryList(await items.categoryUsage()).find((c) => c.name === req.params.name);
        if (!category) throw new HttpError(404, 'not_found', `Category '${req.params.name}' not found`);
        res.json({ success: true, data: category });
      },
    },
  ];
}
