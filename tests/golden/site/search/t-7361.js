CatalogSearch.add("t","sa",{"same":"3J","same initialization":"3O","samy":"5c"});
