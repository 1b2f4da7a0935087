CatalogSearch.add("t","sa",{"same":[1.069,"3_"],"samy":[3.652,"5_"]});
