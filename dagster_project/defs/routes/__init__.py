"""Routes domain: each field rep's day planned as a prize-collecting vehicle-routing problem."""
