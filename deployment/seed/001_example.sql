-- Example seed data: safe to run again (creates if missing, upserts rows).
create table if not exists public.seed_neighbourhoods (
    id    integer primary key,
    name  text not null,
    city  text not null
);

insert into public.seed_neighbourhoods (id, name, city) values
    (1, 'Laurelhurst', 'Seattle'),
    (2, 'Ravenna', 'Seattle'),
    (3, 'Wedgwood', 'Seattle')
on conflict (id) do update set name = excluded.name, city = excluded.city;
