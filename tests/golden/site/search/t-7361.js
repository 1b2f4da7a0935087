CatalogSearch.add("t","sa",{"same":[1.072,"3_"],"samy":[3.652,"5_"]});
