import { requestIdOf } from '../../../../src/infrastructure/http/request-id';
import { RouteMethods } from '../../../../src/infrastructure/http/route-methods';

describe('RouteMethods', () => {
  it('lists the methods of the routes that match a path, patterns included', () => {
    const routes = new RouteMethods();
    routes.add('/health', ['GET', 'HEAD']);
    routes.add('/v1/faces/detect', 'POST');
    routes.add('/v1/persons/:id', ['GET', 'DELETE']);
    routes.add('/v1/persons/:id', 'patch');
    routes.add('/files/*', 'GET');
    expect(routes.allowed('/health')).toEqual(['GET', 'HEAD']);
    expect(routes.allowed('/v1/faces/detect')).toEqual(['POST']);
    expect(routes.allowed('/v1/persons/ada')).toEqual(['DELETE', 'GET', 'PATCH']);
    expect(routes.allowed('/v1/persons/ada/photos')).toEqual([]);
    expect(routes.allowed('/files/a/b.jpg')).toEqual(['GET']);
    expect(routes.allowed('/v1/faces.detect')).toEqual([]);
  });
});

describe('requestIdOf', () => {
  it('keeps a sane caller id and replaces anything else with a UUID', () => {
    expect(requestIdOf('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    for (const insane of [undefined, '', 'a b', 'x'.repeat(129), 'é', ['a', 'b']]) expect(requestIdOf(insane)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
